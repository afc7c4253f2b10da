# Random applies/updates on the Widget CRD (integer sets and keys, nested granular maps in map-list items, no status subresource).
import json, random, subprocess, sys
seed=int(sys.argv[1]); obj=sys.argv[2]; steps_n=int(sys.argv[3]); out=sys.argv[4]
random.seed(seed)
srv=[l.split()[1] for l in open('/tmp/annex-reference/admin.kubeconfig') if 'server:' in l][0]
P='/tmp/annex-reference/pki'
BASE=srv+'/apis/wardle.example.com/v1alpha1/namespaces/wardle/widgets'
def call(method,url,ct,body):
    r=subprocess.run(['curl','-sk','--cert',P+'/admin.crt','--key',P+'/admin.key','-X',method,'-H','Content-Type: '+ct,'--data-binary','@-',BASE+url],input=json.dumps(body).encode(),capture_output=True)
    return json.loads(r.stdout)
def sub(xs):
    xs=list(xs); random.shuffle(xs); return xs[:random.randint(0,len(xs))]
def spec():
    s={}
    if random.random()<.4: s['name']=random.choice(['a','b'])
    if random.random()<.4: s['size']=random.choice([1,2,10])
    if random.random()<.5: s['nums']=sub([1,2,3,10,20])
    if random.random()<.6:
        items=[]
        for i in sub([1,2,3,10]):
            it={'id':i}
            if random.random()<.6: it['v']=random.choice(['p','q'])
            if random.random()<.6: it['sub']={k:random.choice(['x','z']) for k in sub(['a','b'])}
            items.append(it)
        s['items']=items
    return s
steps=[]
for i in range(steps_n):
    if random.random()<.75 or i==0:
        m=random.choice(['m1','m2','kubectl']); force=random.random()<.15
        body={'apiVersion':'wardle.example.com/v1alpha1','kind':'Widget','metadata':{'name':obj}}
        s=spec()
        if s: body['spec']=s
        if random.random()<.2: body['status']={'phase':random.choice(['A','B'])}
        resp=call('PATCH','/%s?fieldManager=%s%s'%(obj,m,'&force=true' if force else ''),'application/apply-patch+yaml',body)
        steps.append({'name':'%02d-apply-%s%s'%(i,m,'-force' if force else ''),'op':'apply','object':obj,'subresource':'','manager':m,'force':force,'body':body,'expect':resp})
    else:
        m=random.choice(['u1','u2']); patch={'spec':spec()}
        for k in sub(['name','nums','items']):
            if random.random()<.3: patch['spec'][k]=None
        resp=call('PATCH','/%s?fieldManager=%s'%(obj,m),'application/merge-patch+json',patch)
        steps.append({'name':'%02d-update-%s'%(i,m),'op':'merge-patch','object':obj,'subresource':'','manager':m,'body':patch,'expect':resp})
json.dump({'kind':'Widget','schema':'widget-schema.json','statusSubresource':False,'seeds':{},'steps':steps},open(out,'w'),indent=1)
codes={}
for s in steps:
    c=s['expect'].get('code',200) if s['expect'].get('kind')=='Status' else 200
    codes[c]=codes.get(c,0)+1
print(codes)
