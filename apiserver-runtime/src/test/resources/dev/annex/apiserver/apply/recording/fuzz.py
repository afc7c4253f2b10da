# Random apply/update sequences against the real kube-apiserver, recorded as a replayable scenario.
import json, random, subprocess, sys, os
seed=int(sys.argv[1]); obj=sys.argv[2]; steps_n=int(sys.argv[3]); out=sys.argv[4]
random.seed(seed)
env=dict(os.environ)
srv=[l.split()[1] for l in open('/tmp/annex-reference/admin.kubeconfig') if 'server:' in l][0]
P='/tmp/annex-reference/pki'
BASE=srv+'/apis/wardle.example.com/v1alpha1/namespaces/wardle/flunders'
def call(method,url,ct,body):
    r=subprocess.run(['curl','-sk','--cert',P+'/admin.crt','--key',P+'/admin.key','-X',method,'-H','Content-Type: '+ct,'--data-binary','@-',BASE+url],input=json.dumps(body).encode(),capture_output=True)
    return json.loads(r.stdout)
def sub(xs,k=None):
    xs=list(xs); random.shuffle(xs); return xs[:random.randint(0,len(xs)) if k is None else k]
def spec_fields():
    s={}
    if random.random()<.5: s['reference']=random.choice(['a','b'])
    if random.random()<.4: s['replicas']=random.choice([1,2])
    if random.random()<.5: s['tags']=sub(['t1','t2','t3','t4'])
    if random.random()<.3: s['args']=sub(['--a','--b'])
    if random.random()<.5:
        s['ports']=[dict({'name':n,'port':random.choice([1,2])},**({'protocol':'UDP'} if n=='r' else {})) for n in sub(['p','q','r'])]
    if random.random()<.4: s['selector']={k:random.choice(['v1','v2']) for k in sub(['k1','k2','k3'])}
    if random.random()<.3: s['config']={'a':random.choice(['x','z'])}
    if random.random()<.4:
        e={}
        if random.random()<.7: e['deep']={k:random.choice([1,2,[1],{'z':1}]) for k in sub(['x','w'])}
        if random.random()<.4: e['s']=random.choice(['q','r'])
        if random.random()<.3: e['l']=sub([1,2,3])
        s['extra']=e
    return s
steps=[]
for i in range(steps_n):
    r=random.random()
    if r<.65 or i==0:
        m=random.choice(['m1','m2','m3']); force=random.random()<.15
        body={'apiVersion':'wardle.example.com/v1alpha1','kind':'Flunder','metadata':{'name':obj}}
        labels={k:random.choice(['1','2']) for k in sub(['la','lb'])}
        if labels and random.random()<.5: body['metadata']['labels']=labels
        s=spec_fields()
        if s: body['spec']=s
        resp=call('PATCH','/%s?fieldManager=%s%s'%(obj,m,'&force=true' if force else ''),'application/apply-patch+yaml',body)
        steps.append({'name':'%02d-apply-%s%s'%(i,m,'-force' if force else ''),'op':'apply','object':obj,'subresource':'','manager':m,'force':force,'body':body,'expect':resp})
    elif r<.70 and os.environ.get('STATUS_UPDATES'):
        m='u3'; patch={'status':{'phase':random.choice(['A','C',None])}}
        if random.random()<.5: patch['status']['conditions']=[{'type':t,'status':random.choice(['True','False'])} for t in sub(['Ready','Gone'])]
        resp=call('PATCH','/%s/status?fieldManager=%s'%(obj,m),'application/merge-patch+json',patch)
        steps.append({'name':'%02d-status-update-%s'%(i,m),'op':'merge-patch','object':obj,'subresource':'status','manager':m,'body':patch,'expect':resp})
    elif r<.75:
        m='s1'; body={'apiVersion':'wardle.example.com/v1alpha1','kind':'Flunder','metadata':{'name':obj},'status':{'phase':random.choice(['A','B'])}}
        if random.random()<.5: body['status']['conditions']=[{'type':t,'status':random.choice(['True','False'])} for t in sub(['Ready','Synced'])]
        resp=call('PATCH','/%s/status?fieldManager=%s'%(obj,m),'application/apply-patch+yaml',body)
        steps.append({'name':'%02d-status-apply'%i,'op':'apply','object':obj,'subresource':'status','manager':m,'force':False,'body':body,'expect':resp})
    else:
        m=random.choice(['u1','u2']); patch={'spec':spec_fields()}
        for k in sub(['reference','tags','ports','selector','extra','config'],random.randint(0,2)):
            patch['spec'][k]=None
        if random.random()<.3: patch['metadata']={'labels':{random.choice(['la','lc']):random.choice(['1','3',None])}}
        resp=call('PATCH','/%s?fieldManager=%s'%(obj,m),'application/merge-patch+json',patch)
        steps.append({'name':'%02d-update-%s'%(i,m),'op':'merge-patch','object':obj,'subresource':'','manager':m,'body':patch,'expect':resp})
json.dump({'seeds':{},'steps':steps},open(out,'w'),indent=1)
codes={}
for s in steps:
    c=s['expect'].get('code',200) if s['expect'].get('kind')=='Status' else 200
    codes[c]=codes.get(c,0)+1
print(codes)
